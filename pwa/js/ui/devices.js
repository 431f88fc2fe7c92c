// Hub staff: connect a new phone with a one-time QR code, name a phone so a person's two
// phones can be told apart, and revoke a lost one.
import { request } from '../api.js';
import { putSession } from '../db.js';
import { MAX_LENGTH, validDeviceName } from '../device-name.js';
import { t } from '../i18n.js';
import { button, element, svgDataUrl } from './dom.js';
import { showError, showStatus } from './status.js';

const MANAGERS = new Set(['hub_staff', 'admin']);

function formatTime(iso) {
  // The server writes its offset (+00:00); a time without one is UTC all the same.
  const moment = /(Z|[+-]\d\d:\d\d)$/.test(iso) ? iso : `${iso}Z`;
  return new Date(moment).toLocaleString(document.documentElement.lang,
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
    await listDevices(session, wardCode);
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

async function listDevices(session, wardCode) {
  const devices = await request('GET', `/api/wards/${wardCode}/devices`,
    { token: session.token });
  const list = document.getElementById('device-list');
  list.replaceChildren(...devices.map((device) => deviceItem(device, session, wardCode)));
}

// Renames a device to the name typed in `input`: the device as renamed, or null when the
// name cannot be used (said by the input) or the server refused it. This phone's own
// name is kept in its session too, for settings to show.
export async function renameDevice(session, deviceId, input) {
  const name = validDeviceName(input.value);
  if (!name) {
    showStatus(t('devices.name_invalid'), { error: true });
    input.focus();
    return null;
  }
  try {
    const renamed = await request('PATCH', `/api/devices/${deviceId}`,
      { token: session.token, body: { name } });
    if (renamed.id === session.deviceId) {
      session.deviceName = renamed.name;
      document.getElementById('device-name').value = renamed.name;
      await putSession(session);
    }
    return renamed;
  } catch (error) {
    showError(error);
    return null;
  }
}

// The rename form takes the item's place until it is saved or given up.
function renameForm(device, session, wardCode, item) {
  const id = `device-name-${device.id}`;
  const input = element('input', { attrs: { id, maxlength: String(MAX_LENGTH),
    autocomplete: 'off', required: '' } });
  input.value = device.name;
  const form = element('form', { className: 'device-rename' },
    element('label', { text: t('devices.rename_label', { device: device.name }),
      attrs: { for: id } }),
    input,
    element('button', { text: t('devices.save'), className: 'primary',
      attrs: { type: 'submit' } }),
    button(t('devices.cancel'), 'secondary', () => listDevices(session, wardCode)
      .catch(showError)));
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (await renameDevice(session, device.id, input)) {
      await listDevices(session, wardCode).catch(showError);
    }
  };
  item.replaceChildren(form);
  input.focus();
}

function deviceItem(device, session, wardCode) {
  const token = session.token;
  const item = document.createElement('li');
  item.dataset.deviceId = device.id;
  const text = document.createElement('span');
  const seen = device.last_seen_at ? `${t('devices.last_seen')} ${formatTime(device.last_seen_at)}`
    : t('devices.never');
  const mine = device.id === session.deviceId ? `・${t('devices.this_device')}` : '';
  text.textContent = `${device.user_display_name} — ${device.name}（${seen}${mine}）`;
  item.append(text);
  if (device.revoked_at) {
    item.classList.add('revoked');
    const badge = document.createElement('span');
    badge.textContent = t('devices.revoked');
    item.append(badge);
    return item;
  }
  const rename = button(t('devices.rename'), 'secondary',
    () => renameForm(device, session, wardCode, item));
  rename.setAttribute('aria-label',
    `${t('devices.rename')}: ${device.user_display_name} ${device.name}`);
  const revoke = button(t('devices.revoke'), 'danger');
  revoke.setAttribute('aria-label', `${t('devices.revoke')}: ${device.user_display_name} ${device.name}`);
  revoke.onclick = async () => {
    if (!window.confirm(t('devices.revoke_confirm',
      { name: device.user_display_name, device: device.name }))) return;
    try {
      await request('POST', `/api/devices/${device.id}/revoke`, { token });
      await listDevices(session, wardCode);
    } catch (error) {
      showError(error);
    }
  };
  item.append(element('span', { className: 'actions' }, rename, revoke));
  return item;
}
