/* The demo shop page's buttons, each showing what it sent in the log below them. */
(function () {
  var log = document.getElementById("log");
  function note(text) { log.textContent = new Date().toLocaleTimeString() + "  " + text + "\n" + log.textContent; }
  document.getElementById("track-event").addEventListener("click", function () {
    window.telemetry.track("action", { action: "add_to_cart", metadata: { sku: "demo-42", price: 19 } });
    window.telemetry.flush();
    note("track('action', {action: 'add_to_cart'}) and flush()");
  });
  document.getElementById("throw-error").addEventListener("click", function () {
    note("throwing TypeError: the demo cart is undefined");
    setTimeout(function () { throw new TypeError("The demo cart is undefined"); });
  });
  document.getElementById("reject-promise").addEventListener("click", function () {
    note("rejecting a promise");
    Promise.reject(new Error("The demo payment provider did not answer"));
  });
  document.getElementById("navigate").addEventListener("click", function () {
    history.pushState({}, "", "/demo/checkout");
    note("pushState to /demo/checkout: a page_view is queued");
  });
})();
