"""Reporting's routes, one module per part; `fmt` is a download's format."""

from django.urls import register_converter


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")
