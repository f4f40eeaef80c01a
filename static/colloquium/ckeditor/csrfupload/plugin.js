/* Sends Django's CSRF token with CKEditor's upload XHRs: our upload view is not CSRF-exempt. */
(function () {
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) { return field.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  CKEDITOR.plugins.add("csrfupload", {
    init: function (editor) {
      editor.on("fileUploadRequest", function (event) {
        event.data.fileLoader.xhr.setRequestHeader("X-CSRFToken", csrfToken());
      });  // after fileTools opens the XHR (5), before it sends it (999)
    }
  });
})();
