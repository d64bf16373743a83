// The join challenge's widget (Pages/Shared/_JoinChallenge.cshtml): loads ALTCHA 3.2.2 and gives it its PBKDF2 Web Worker.
// ALTCHA's default bundle injects its styles as an inline <style> and starts its workers from blob: URLs; its "external" build,
// vendored in lib/altcha, does neither, so the page needs no 'unsafe-inline' and no blob: in its Content-Security-Policy: this
// module, the widget and the worker are same-origin files (script-src 'self', worker-src 'self'), its styles a stylesheet
// (style-src 'self'), and it fetches its challenge from the Web (connect-src 'self'). The Api issues PBKDF2/SHA-256 only.
import '../lib/altcha/dist/external/altcha.min.js';

const worker = new URL('../lib/altcha/dist/workers/pbkdf2.js', import.meta.url);
globalThis.$altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker(worker));
