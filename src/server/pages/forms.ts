/**
 * The two form pages: Analyze (upload a capture; the client streams the file to POST
 * /api/v1/analyze, then follows the job's server-sent events until it lands on the results) and
 * Login (the token form; POST /login sets the session cookie).
 */
import { html } from 'hono/html';
import type { Html } from './layout.ts';
import { bytes } from './format.ts';

export function analyzeBody(maxUpload: number | undefined, jobs: { id: string; state: string; name: string; analysis?: string; error?: string; at: string }[]): Html {
  return html`<section class="card upload">
<form id="analyze-form" method="post" action="/api/v1/analyze" enctype="multipart/form-data">
<label class="drop" id="drop">
<input type="file" name="capture" id="capture" accept=".pcap,.pcapng,.cap,.gz,application/vnd.tcpdump.pcap" required>
<span>Choose a capture (pcap, pcapng, gzip) or drop it here${maxUpload ? html` — at most ${bytes(maxUpload)}` : ''}.</span>
</label>
<button type="submit" id="analyze-start">analyze</button>
</form>
<div id="progress" hidden>
<p><b id="progress-stage">uploading</b> <span id="progress-text"></span></p>
<progress id="progress-bar" max="100" value="0"></progress>
<ol id="progress-log" class="log"></ol>
</div>
<p id="analyze-error" class="error" role="alert" hidden></p>
<p class="note">The file is streamed to the server and analyzed by flowsift analyze in its own process (flows → model → scores → incidents); a corrupt or truncated capture ends with flowsift's one-line error. When it is done, this page opens its incidents.</p>
</section>
${jobs.length ? html`<h2>Jobs</h2><table class="compact"><thead><tr><th>started (UTC)</th><th>capture</th><th>state</th><th>result</th></tr></thead><tbody>${jobs.map((j) => html`<tr><td class="nowrap">${j.at}</td><td>${j.name}</td><td><span class="status st-${j.state}">${j.state}</span></td><td>${j.analysis ? html`<a href="/incidents?analysis=${encodeURIComponent(j.analysis)}">${j.analysis}</a>` : j.error ? html`<span class="error">${j.error}</span>` : ''}</td></tr>`)}</tbody></table>` : ''}`;
}

export function loginBody(next: string, error: boolean, tokenRequired: boolean): Html {
  return html`<section class="card login">
<form method="post" action="/login" id="login-form">
<input type="hidden" name="next" value="${next}">
<label>Access token<input type="password" name="token" id="token" autocomplete="current-password" required autofocus></label>
<button type="submit">log in</button>
</form>
${error ? html`<p class="error" role="alert">That token is not valid.</p>` : ''}
<p class="note">${tokenRequired ? 'This server was started with a token (--token or FLOWSIFT_TOKEN): give it here once; a session cookie keeps you logged in. API clients send it as Authorization: Bearer <token>.' : 'This server needs no token.'}</p>
</section>`;
}
