/* report-bug.js: a floating "Report a bug" button and dialog for any site. No dependencies.
 *
 * <script src="https://telemetry.example.com/static/telemetry/report-bug.js"
 *         data-endpoint="https://telemetry.example.com/api/feedback" defer></script>
 *
 * Options (data- attributes): data-endpoint (default /api/feedback), data-key (a client key's
 * public key: the report goes to its project), data-hidden="true" (do not show the button,
 * e.g. for staff), data-label (button text). The button and its dialog live in
 * a shadow root, so the host page's CSS cannot break them and theirs cannot leak out. The page
 * URL and user agent are sent automatically; the screenshot is optional (capture this tab,
 * choose a file or paste an image). Nothing here throws into the host page.
 */
(function (w, d) {
  "use strict";
  var script = d.currentScript || {}, data = script.dataset || {};
  var MAX_BYTES = 5 * 1024 * 1024, TYPES = ["image/png", "image/jpeg", "image/webp"];

  var CSS =
    ":host{all:initial}" +
    ".fab{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;" +
    "padding:12px 18px;background:#c62828;color:#fff;font:600 14px/1 system-ui,sans-serif;" +
    "box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer}" +
    ".fab:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible" +
    "{outline:3px solid #1565c0;outline-offset:2px}" +
    "dialog{width:min(440px,calc(100vw - 32px));border:0;border-radius:10px;padding:20px;" +
    "font:14px/1.4 system-ui,sans-serif;color:#222;box-shadow:0 8px 30px rgba(0,0,0,.35)}" +
    "dialog::backdrop{background:rgba(0,0,0,.4)}" +
    "h2{margin:0 0 12px;font-size:18px}label{display:block;margin:10px 0 4px;font-weight:600}" +
    "textarea,input,select{box-sizing:border-box;width:100%;font:inherit;padding:6px;" +
    "border:1px solid #888;border-radius:4px}textarea{min-height:96px;resize:vertical}" +
    ".shot{display:flex;gap:8px;flex-wrap:wrap;margin-top:4px}.shot button,.actions button{padding:6px 12px;" +
    "font:inherit;border-radius:4px;border:1px solid #888;background:#f5f5f5;cursor:pointer}" +
    ".actions{display:flex;justify-content:flex-end;gap:8px;margin-top:16px}" +
    ".actions .send{background:#1565c0;border-color:#1565c0;color:#fff}" +
    "img{display:block;max-width:100%;max-height:140px;margin-top:8px;border:1px solid #ccc}" +
    ".status{margin-top:10px;min-height:1.4em}.ok{color:#2e7d32}.fail{color:#c62828}" +
    ".hint{color:#555;font-size:12px}[hidden]{display:none!important}";

  var HTML =
    '<button type="button" class="fab" part="button" aria-haspopup="dialog"></button>' +
    '<dialog aria-labelledby="rb-title"><form method="dialog" novalidate>' +
    '<h2 id="rb-title">Report a bug</h2>' +
    '<label for="rb-category">What is it?</label><select id="rb-category" name="category">' +
    '<option value="bug">Something is broken</option><option value="feature">An idea or request</option>' +
    '<option value="other">Something else</option></select>' +
    '<label for="rb-message">What happened?</label>' +
    '<textarea id="rb-message" name="message" required maxlength="5000" ' +
    'placeholder="What did you do, what did you expect, what happened instead?"></textarea>' +
    '<label for="rb-email">E-mail (optional, if you want an answer)</label>' +
    '<input id="rb-email" name="email" type="email" autocomplete="email">' +
    '<label>Screenshot (optional)</label><div class="shot">' +
    '<button type="button" class="capture">Capture this tab</button>' +
    '<button type="button" class="choose">Choose an image</button>' +
    '<button type="button" class="remove" hidden>Remove screenshot</button>' +
    '<input type="file" accept="image/png,image/jpeg,image/webp" hidden aria-label="Screenshot file"></div>' +
    '<div class="hint">You can also paste an image into this dialog.</div>' +
    '<img alt="Screenshot preview" hidden>' +
    '<div class="status" role="status" aria-live="polite"></div>' +
    '<div class="actions"><button type="button" class="cancel">Close</button>' +
    '<button type="submit" class="send">Send report</button></div></form></dialog>';

  function start() {
    if (data.hidden === "true" || d.getElementById("report-bug-root")) return;
    var host = d.createElement("div");
    host.id = "report-bug-root";
    var root = host.attachShadow({ mode: "open" });
    // A constructed style sheet is not inline style, so a host page's Content-Security-Policy
    // without 'unsafe-inline' (this service's own pages included) does not refuse it.
    if (root.adoptedStyleSheets && w.CSSStyleSheet && "replaceSync" in w.CSSStyleSheet.prototype) {
      var sheet = new w.CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
      root.innerHTML = HTML;
    } else {
      root.innerHTML = "<style>" + CSS + "</style>" + HTML;
    }
    d.body.appendChild(host);

    var $ = function (sel) { return root.querySelector(sel); };
    var fab = $(".fab"), dialog = $("dialog"), form = $("form"), statusLine = $(".status");
    var fileInput = $("input[type=file]"), preview = $("img"), removeButton = $(".remove");
    var sendButton = $(".send"), captureButton = $(".capture"), screenshot = null;
    fab.textContent = data.label || "Report a bug";
    var canCapture = !!(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
    captureButton.hidden = !canCapture;

    function say(text, kind) {
      statusLine.textContent = text;
      statusLine.className = "status " + (kind || "");
    }
    function setScreenshot(blob) {
      if (!blob) return;
      if (TYPES.indexOf(blob.type) < 0) return say("The screenshot must be a PNG, JPEG or WebP image.", "fail");
      if (blob.size > MAX_BYTES) return say("The screenshot is larger than 5 MB.", "fail");
      screenshot = blob;
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.src = URL.createObjectURL(blob);
      preview.hidden = removeButton.hidden = false;
      say("Screenshot attached.");
    }
    function clearScreenshot() {
      screenshot = null;
      fileInput.value = "";
      preview.hidden = removeButton.hidden = true;
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.removeAttribute("src");
    }
    function capture() {
      // The dialog is closed while the frame is grabbed, so the picture shows the page itself.
      dialog.close();
      navigator.mediaDevices.getDisplayMedia({ video: true, audio: false, preferCurrentTab: true })
        .then(function (stream) {
          var video = d.createElement("video");
          video.muted = true;
          video.srcObject = stream;
          return video.play().then(function () {
            return new Promise(function (resolve) { setTimeout(resolve, 150); });
          }).then(function () {
            var canvas = d.createElement("canvas"), scale = Math.min(1, 4000 / Math.max(video.videoWidth, video.videoHeight, 1));
            canvas.width = Math.round(video.videoWidth * scale);
            canvas.height = Math.round(video.videoHeight * scale);
            canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
            stream.getTracks().forEach(function (t) { t.stop(); });
            return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
          });
        })
        .then(function (blob) { open(); setScreenshot(blob); })
        .catch(function () { open(); say("No screenshot was captured.", "fail"); });
    }
    function open() {
      if (!dialog.open) dialog.showModal();
      $("#rb-message").focus();
    }
    function submit(event) {
      event.preventDefault();
      var message = form.message.value.trim();
      if (!message) { say("Please describe the problem first.", "fail"); form.message.focus(); return; }
      var body = new FormData();
      body.append("message", message);
      body.append("category", form.category.value);
      body.append("page", location.href);
      body.append("userAgent", navigator.userAgent);
      if (form.email.value.trim()) body.append("email", form.email.value.trim());
      var telemetry = w.telemetry || {};
      if (telemetry.sessionId) body.append("sessionId", telemetry.sessionId);
      body.append("metadata", JSON.stringify({ viewport: w.innerWidth + "x" + w.innerHeight, language: navigator.language }));
      if (screenshot) body.append("screenshot", screenshot, "screenshot");
      sendButton.disabled = true;
      say("Sending…");
      var url = data.endpoint || "/api/feedback";
      if (data.key) url += (url.indexOf("?") < 0 ? "?" : "&") + "key=" + encodeURIComponent(data.key);
      fetch(url, { method: "POST", body: body, credentials: "omit" })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (answer) {
            if (response.ok) return answer;
            var refusal = new Error(answer.error || "The report could not be sent (HTTP " + response.status + ").");
            refusal.fromServer = true;
            throw refusal;
          });
        })
        .then(function (answer) {
          say("Thank you! Your report was sent.", "ok");
          if (telemetry.track) telemetry.track("feedback_submitted", { action: form.category.value });
          host.setAttribute("data-last-feedback-id", answer.feedbackId || "");
          form.reset();
          clearScreenshot();
        })
        .catch(function (error) {
          say(error && error.fromServer ? error.message
            : "The report could not be sent; check your connection and try again.", "fail");
        })
        .then(function () { sendButton.disabled = false; });
    }

    function on(target, type, handler) {
      target.addEventListener(type, function (event) {
        try { return handler(event); } catch (e) { say("Something went wrong; please try again.", "fail"); }
      });
    }
    on(fab, "click", function () { say(""); open(); });
    on($(".cancel"), "click", function () { dialog.close(); });
    on($(".choose"), "click", function () { fileInput.click(); });
    on(removeButton, "click", clearScreenshot);
    on(captureButton, "click", capture);
    on(fileInput, "change", function () { setScreenshot(fileInput.files && fileInput.files[0]); });
    on(dialog, "close", function () { fab.focus(); });
    on(dialog, "paste", function (event) {
      var items = (event.clipboardData && event.clipboardData.items) || [];
      for (var i = 0; i < items.length; i++) {
        if (items[i].kind === "file" && TYPES.indexOf(items[i].type) >= 0) {
          event.preventDefault();
          return setScreenshot(items[i].getAsFile());
        }
      }
    });
    on(form, "submit", submit);
  }

  try {
    if (d.body) start();
    else d.addEventListener("DOMContentLoaded", function () { try { start(); } catch (e) { /* never break the host */ } });
  } catch (e) { /* never break the host page */ }
})(window, document);
