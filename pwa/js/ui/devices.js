// Hub staff: connect a new phone with a one-time QR code, and revoke a lost one.
import { request } from '../api.js';
import { t } from '../i18n.js';
import { svgDataUrl } from './dom.js';
import { showError } from './status.js';

const MANAGERS = new Set(['hub_staff', 'admin']);

function formatTime(iso) {
  return new Date(`${iso}Z`).toLocaleString(document.documentElement.lang,
    { dateStyle: 'short', timeStyle: 'short' });
}

export async function showDevices(session) {
  const wardCode = session.user.ward_code;
  if (!MANAGERS.has(session.user.role) || !wardCode) return;
  document.getElementById('devices-view').hidden = false;
  const token = session.token;
  try {
    const users = await request('GET', `/api/wards/${wardCode}/users`, { token });
    const select = document.getElementById('pair-user');
    select.replaceChildren(...users.filter((u) => u.id !== session.user.id).map((u) => {
      const option = document.createElement('option');
      option.value = u.id;
      option.textContent = `${u.display_name}（${t(`role.${u.role}`)}）`;
      return option;
    }));
    document.getElementById('pair-form').onsubmit = (event) => {
      event.preventDefault();
      startPairing(token, Number(select.value)).catch(showError);
    };
    // Enabled only once there is someone to pair, so an early tap is never silently lost.
    document.getElementById('pair-submit').disabled = select.options.length === 0;
    await listDevices(token, wardCode);
  } catch (error) {
    showError(error);
  }
}

async function startPairing(token, userId) {
  const pairing = await request('POST', '/api/pairings', { token, body: { user_id: userId } });
  const figure = document.getElementById('pair-qr');
  const image = document.getElementById('pair-qr-image');
  image.src = svgDataUrl(pairing.qr_svg);
  image.alt = t('devices.pair_caption',
    { name: pairing.user_display_name, time: formatTime(pairing.expires_at) });
  document.getElementById('pair-qr-caption').textContent = image.alt;
  document.getElementById('pair-qr-link').href = pairing.pair_url;
  figure.hidden = false;
}

async function listDevices(token, wardCode) {
  const devices = await request('GET', `/api/wards/${wardCode}/devices`, { token });
  const list = document.getElementById('device-list');
  list.replaceChildren(...devices.map((device) => deviceItem(device, token, wardCode)));
}

function deviceItem(device, token, wardCode) {
  const item = document.createElement('li');
  item.dataset.deviceId = device.id;
  const text = document.createElement('span');
  const seen = device.last_seen_at ? `${t('devices.last_seen')} ${formatTime(device.last_seen_at)}`
    : t('devices.never');
  text.textContent = `${device.user_display_name} — ${device.name}（${seen}）`;
  item.append(text);
  if (device.revoked_at) {
    item.classList.add('revoked');
    const badge = document.createElement('span');
    badge.textContent = t('devices.revoked');
    item.append(badge);
    return item;
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'danger';
  button.textContent = t('devices.revoke');
  button.setAttribute('aria-label', `${t('devices.revoke')}: ${device.user_display_name} ${device.name}`);
  button.onclick = async () => {
    if (!window.confirm(t('devices.revoke_confirm',
      { name: device.user_display_name, device: device.name }))) return;
    try {
      await request('POST', `/api/devices/${device.id}/revoke`, { token });
      await listDevices(token, wardCode);
    } catch (error) {
      showError(error);
    }
  };
  item.append(button);
  return item;
}
