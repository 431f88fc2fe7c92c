// fetch plus the error envelope {"error": {"code", "message", "fields"}}.

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export async function request(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const send = () => fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let response;
  try {
    response = await send().catch(async (error) => {
      // A dropped connection on a weak signal: a read is worth one more try at once.
      if (method !== 'GET' || !navigator.onLine) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return send();
    });
  } catch {
    throw new ApiError(0, 'offline', '電波がありません / No connection.');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw failure(response, data);
  return data;
}

function failure(response, data) {
  const error = data?.error ?? {};
  return new ApiError(response.status, error.code ?? 'http_error',
    error.message ?? response.statusText, error.fields ?? {});
}

// A file (CSV, XLSX) rather than JSON, with the name the server gives it; its errors still
// come in the JSON envelope.
export async function requestFile(path, { token } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, 'offline', '電波がありません / No connection.');
  }
  if (!response.ok) throw failure(response, await response.json().catch(() => null));
  const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '');
  return { blob: await response.blob(), filename: named?.[1] ?? 'tsunagu' };
}
