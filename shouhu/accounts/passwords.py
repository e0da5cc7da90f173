"""Django's password validators with their messages in Chinese.

Django 5.2 changed the text of the "too short" message and its zh_Hans catalogue still has only the
old text, so a Chinese page said "This password is too short…" in English. Each validator keeps
Django's rule and gives its message here, in Chinese (English in shouhu/locale/en)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation as django_validators
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext("密码太短，至少需要 %(n)d 个字符。", "密码太短，至少需要 %(n)d 个字符。", self.min_length) % {
            "n": self.min_length
        }

    def get_help_text(self) -> str:
        return ngettext("密码至少 %(n)d 个字符。", "密码至少 %(n)d 个字符。", self.min_length) % {"n": self.min_length}


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "full_name", "phone", "email")

    def __init__(self, user_attributes: Any = DEFAULT_USER_ATTRIBUTES, max_similarity: float = 0.7) -> None:
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    def get_error_message(self) -> str:
        return _("密码与%(verbose_name)s太相似。")

    def get_help_text(self) -> str:
        return _("密码不能与用户名、姓名等个人信息太相似。")


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("密码太常见，容易被猜到。")

    def get_help_text(self) -> str:
        return _("密码不能是常用密码。")


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("密码不能全是数字。")

    def get_help_text(self) -> str:
        return _("密码不能全是数字。")
