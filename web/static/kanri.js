// Kanri console behaviour that HTML alone cannot give; every page works without it.
document.addEventListener("htmx:xhr:progress", function (e) {
  var bar = e.target.querySelector("progress[data-upload]");
  if (bar && e.detail.lengthComputable) {
    bar.max = e.detail.total;
    bar.value = e.detail.loaded;
  }
});

// htmx leaves the page as it was when an answer is an error (403, 404,
// 500…): show the console's error page it carries instead, so a refusal
// is never silent.
document.addEventListener("htmx:responseError", function (e) {
  var xhr = e.detail.xhr;
  if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
    document.open();
    document.write(xhr.responseText);
    document.close();
  }
});

// コピー buttons ([data-copy]): copy the value to publish. They are hidden
// until this script shows them, since without it they could do nothing.
function copyValue(button) {
  var value = button.getAttribute("data-copy");
  var done = function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || label;
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(value).then(done, function () { selectBeside(button); });
    return;
  }
  selectBeside(button);
  try { if (document.execCommand("copy")) { done(); } } catch (e) { /* the text stays selected to copy by hand */ }
}

// selectBeside selects the value shown before button, so it can be copied by hand.
function selectBeside(button) {
  var code = button.previousElementSibling;
  if (!code) { return; }
  var range = document.createRange();
  range.selectNodeContents(code);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

function showCopyButtons(root) {
  root.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
}
document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
document.addEventListener("htmx:load", function (e) { showCopyButtons(e.target); });
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("button[data-copy]");
  if (b) { copyValue(b); }
});
