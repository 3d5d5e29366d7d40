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
