// Kanri console behaviour that HTML alone cannot give; every page works without it.
document.addEventListener("htmx:xhr:progress", function (e) {
  var bar = e.target.querySelector("progress[data-upload]");
  if (bar && e.detail.lengthComputable) {
    bar.max = e.detail.total;
    bar.value = e.detail.loaded;
  }
});
