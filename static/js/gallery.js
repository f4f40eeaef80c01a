/*
 * The event photo viewer, made easier with a keyboard. The viewer itself is plain links and CSS
 * :target (events/_photo_viewer.html), so everything here is an extra: the arrow keys and Escape
 * follow the viewer's own links, and focus goes into the viewer when it opens and back to the
 * thumbnail when it closes, where the hash alone would leave it behind the overlay.
 */
(function () {
  "use strict";

  var PREFIX = "#view-photo-";
  var KEYS = {
    ArrowLeft: ".viewer__previous",
    ArrowRight: ".viewer__next",
    Escape: ".viewer__close",
  };
  var shown = null;

  function openViewer() {
    if (location.hash.indexOf(PREFIX) !== 0) {
      return null;
    }
    var viewer = document.getElementById(location.hash.slice(1));
    return viewer && viewer.classList.contains("viewer") ? viewer : null;
  }

  function links(viewer) {
    return viewer.querySelectorAll("a[href]");
  }

  function sync() {
    var viewer = openViewer();
    if (viewer) {
      links(viewer)[0].focus();
    } else if (shown) {
      var thumbnail = document.querySelector('a[href="#' + shown.id + '"]');
      if (thumbnail) {
        thumbnail.focus();
      }
    }
    shown = viewer;
  }

  document.addEventListener("keydown", function (event) {
    var viewer = openViewer();
    if (!viewer || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === "Tab") {
      // The page behind the overlay cannot be seen, so Tab goes round the viewer's links.
      var all = links(viewer);
      var first = all[0];
      var last = all[all.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        last.focus();
        event.preventDefault();
      } else if (!event.shiftKey && document.activeElement === last) {
        first.focus();
        event.preventDefault();
      }
      return;
    }
    var selector = KEYS[event.key];
    var link = selector && viewer.querySelector(selector);
    if (link && !event.shiftKey) {
      event.preventDefault();
      link.click();
    }
  });

  window.addEventListener("hashchange", sync);
  sync();
})();
