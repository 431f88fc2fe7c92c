// Who is signed in on this phone. Kept in IndexedDB so it survives with no signal.
import { request } from './api.js';
import { clearSession, getSession, putSession } from './db.js';

function deviceName() {
  const ua = navigator.userAgent;
  if (/iPhone|iPad/.test(ua)) return 'iPhone / iPad';
  if (/Android/.test(ua)) return 'Android';
  return 'ブラウザ';
}

async function keep(result) {
  const session = { token: result.token, user: result.user, deviceId: result.device.id };
  await putSession(session);
  return session;
}

export async function signIn(login, password) {
  return keep(await request('POST', '/api/auth/login',
    { body: { login, password, device_name: deviceName() } }));
}

export async function pairWith(code) {
  return keep(await request('POST', '/api/auth/pair',
    { body: { code, device_name: deviceName() } }));
}

export async function signOut(session) {
  try {
    await request('POST', '/api/auth/logout', { token: session.token });
  } finally {
    await clearSession();
  }
}

export const currentSession = getSession;

// Ask the server who we are; a revoked or expired device is told so by an ApiError (401).
export async function refreshUser(session) {
  const user = await request('GET', '/api/auth/me', { token: session.token });
  const updated = { ...session, user };
  await putSession(updated);
  return updated;
}

export { clearSession };
