// The one script of the web pages (docs/web.md#content-security-policy), served as a static file: the CSP
// allows no inline script. Progressive enhancement only: pages work without it except the draft page's
// file upload, which streams each chosen file with fetch (PUT, no multipart buffering) and the "copy"
// buttons. Forms that delete ask for confirmation with their data-confirm text.
export const SCRIPT = `
'use strict';
document.addEventListener('submit', function (ev) {
  var form = ev.target;
  var text = form.getAttribute('data-confirm');
  if (text && !window.confirm(text)) ev.preventDefault();
});
document.addEventListener('click', function (ev) {
  var btn = ev.target.closest && ev.target.closest('button[data-copy]');
  if (!btn) return;
  var el = document.getElementById(btn.getAttribute('data-copy'));
  if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent || '').then(function () { btn.textContent = 'Copied'; });
});
var upload = document.getElementById('draft-upload');
if (upload) {
  upload.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = upload.querySelector('input[type=file]');
    var status = document.getElementById('upload-status');
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length === 0) { status.textContent = 'Choose a file first.'; return; }
    var csrf = upload.querySelector('input[name=_csrf]').value;
    var next = function (i) {
      if (i >= files.length) { status.textContent = 'Uploaded ' + files.length + ' file(s).'; window.location.assign(window.location.pathname); return; }
      var f = files[i];
      status.textContent = 'Uploading ' + f.name + ' (' + (i + 1) + ' of ' + files.length + ')...';
      fetch(upload.getAttribute('action') + '/' + encodeURIComponent(f.name), {
        method: 'PUT', body: f, credentials: 'same-origin',
        headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': csrf },
      }).then(function (r) {
        if (r.ok) return next(i + 1);
        return r.json().then(function (doc) {
          var d = doc && doc.errors ? doc.errors.map(function (e) { return e.detail; }).join('; ') : r.statusText;
          status.textContent = f.name + ': ' + d;
          status.className = 'notice error';
        });
      }, function (err) { status.textContent = f.name + ': ' + err; status.className = 'notice error'; });
    };
    next(0);
  });
}
`;
