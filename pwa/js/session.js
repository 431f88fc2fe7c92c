// Who is signed in on this phone. Kept in IndexedDB so it survives with no signal.
import { request } from './api.js';
import {
  clearSession, dropReplica, forgetSent, getSession, lastUserId, putSession,
} from './db.js';
import { deviceName } from './device-name.js';

async function keep(result) {
  // The replica and its cursor belong to one user's scope; another user starts afresh.
  if ((await lastUserId()) !== result.user.id) await dropReplica();
  const session = { token: result.token, user: result.user, deviceId: result.device.id,
    deviceName: result.device.name };
  await putSession(session);
  return session;
}

export async function signIn(login, password) {
  return keep(await request('POST', '/api/auth/login',
    { body: { login, password, device_name: await deviceName() } }));
}

export async function pairWith(code) {
  return keep(await request('POST', '/api/auth/pair',
    { body: { code, device_name: await deviceName() } }));
}

// Signing out leaves nobody's records from the server on the phone; the user's own unsent
// entries stay, to be sent when the same person signs in again.
export async function signOut(session) {
  try {
    await request('POST', '/api/auth/logout', { token: session.token });
  } finally {
    await clearSession();
    await dropReplica();
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

// The server no longer takes this phone's token. An expired sign-in keeps everything
// and asks to sign in again; a revoked phone (lost, perhaps) also drops every record it
// pulled from the server, what it already sent and its card tokens. Either way the user's
// unsent entries and ops stay.
export async function signInLost(error) {
  await clearSession();
  if (error.code === 'device_revoked') {
    await dropReplica();
    await forgetSent();
  }
}

export { clearSession };
