"""
The rich-text editor, behind one module.

django-ckeditor bundles CKEditor 4, past its end of life. The institution asked for it, so it
stays, fenced: it is loaded in the admin only, for staff; its toolbar has no Source button; images
go through our own staff-only, CSRF-checked upload view instead of ckeditor_uploader's
CSRF-exempt one; and whatever it posts is sanitized by colloquium.richtext on save. Replacing the
editor means changing this module: models use `RichTextField`, urls include `urlpatterns`.
"""

from pathlib import PurePath

from ckeditor.widgets import CKEditorWidget
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from colloquium.attachments import format_size
from colloquium.images import IMAGE_EXTENSIONS, save_clean_image, validate_image
from colloquium.richtext import ALLOWED_TAGS, SanitizedHTMLField
from colloquium.uploads import check_upload

# CKEditor's client-side filter mirrors the server's allow-list, so editors see what visitors get.
_ACF = "; ".join(
    [
        "p h2 h3 h4 blockquote ul li strong b em i u s sub sup br hr caption thead tbody tfoot tr",
        "ol[start]",
        "a[!href,title]",
        "img[!src,alt,width,height]{width,height}",
        "figure(image)",
        "figcaption",
        "table{width}",
        "th[colspan,rowspan,scope]",
        "td[colspan,rowspan]",
        "span",
        "p{text-align}",
    ]
)
assert {"figure", "figcaption", "img", "table"} <= ALLOWED_TAGS

CONFIG = {
    "skin": "moono-lisa",
    "height": 420,
    "width": "100%",
    "toolbar": "Colloquium",
    "toolbar_Colloquium": [
        ["Format", "Bold", "Italic", "Underline", "Strike", "Subscript", "Superscript"],
        ["NumberedList", "BulletedList", "Blockquote", "JustifyLeft", "JustifyCenter"],
        ["Link", "Unlink", "Image", "Table", "HorizontalRule"],
        ["Undo", "Redo", "RemoveFormat"],
    ],
    "format_tags": "p;h2;h3;h4",
    "allowedContent": _ACF,
    "disallowedContent": "*{position,color,background*}; *[on*]",
    # image2 writes <figure class="image"><img><figcaption>, the captioned photo of the board.
    "extraPlugins": "image2,uploadimage,csrfupload",
    "removePlugins": (
        "exportpdf,scayt,wsc,image,forms,flash,iframe,smiley,templates,newpage,save,preview,"
        "print,language,font,colorbutton,copyformatting,div,sourcearea"
    ),
    "image2_captionedClass": "image",
    "uploadUrl": reverse_lazy("editor-upload"),
    "filebrowserUploadUrl": reverse_lazy("editor-upload"),
    "filebrowserImageUploadUrl": reverse_lazy("editor-upload"),
    "filebrowserUploadMethod": "xhr",
}


class EditorWidget(CKEditorWidget):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.config.update(CONFIG)
        self.external_plugin_resources = [
            ("csrfupload", static("colloquium/ckeditor/csrfupload/"), "plugin.js"),
        ]


class RichTextField(SanitizedHTMLField):
    """A sanitized HTML field edited with the house editor in the admin."""

    def formfield(self, **kwargs):
        # The admin passes a plain textarea for every TextField: the editor must win over it.
        return super().formfield(**{**kwargs, "widget": EditorWidget})


def _upload_error(message, status=400):
    return JsonResponse({"uploaded": 0, "error": {"message": message}}, status=status)


@require_POST
@staff_member_required
def upload_image(request):
    """CKEditor's image upload: a real image only, re-encoded without EXIF, under a new name."""
    upload = request.FILES.get("upload")
    if upload is None:
        return _upload_error(_("No file was sent."))
    # Pillow reads a GIF that is also an HTML page; the name must say image as well as the bytes.
    if PurePath(upload.name).suffix.lower().lstrip(".") not in IMAGE_EXTENSIONS:
        return _upload_error(_("Upload a JPEG, PNG, GIF or WebP image."))
    if upload.size > settings.MAX_UPLOAD_SIZE:
        return _upload_error(
            _("This file is %(size)s; files may be at most %(limit)s.")
            % {"size": format_size(upload.size), "limit": format_size(settings.MAX_UPLOAD_SIZE)}
        )
    try:
        # The bytes must be the image the name says, with no page or script among them.
        check_upload(upload, IMAGE_EXTENSIONS)
        image = validate_image(upload)
    except ValidationError as error:
        return _upload_error(" ".join(error.messages))
    url = save_clean_image(upload, image, folder="editor")
    return JsonResponse({"uploaded": 1, "fileName": upload.name, "url": url})


class EditorCSPMiddleware(CSPMiddleware):
    """The public site's strict policy, relaxed under the admin because CKEditor 4 needs it."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        # The admin's own tree only: a public page whose address merely contains "/admin/" (a post
        # slugged "admin", say) keeps the strict policy.
        if not report_only and request.path_info.startswith("/admin/"):
            parts.update = {
                "script-src": ["'unsafe-inline'"],
                "style-src": ["'unsafe-inline'"],
                "img-src": ["blob:"],
            }
        return parts


urlpatterns = [path("admin/editor/upload/", upload_image, name="editor-upload")]
