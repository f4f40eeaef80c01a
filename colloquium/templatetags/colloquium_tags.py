from django import template

from colloquium.attachments import format_size

register = template.Library()


@register.filter
def kib(size):
    """{{ attachment.size|kib }} -> "430.61KB" (bytes / 1024, two decimals; MB from 1 MiB up)."""
    return format_size(size)
