"""Resident ID numbers (GB 11643) and names: validation, masking, pinyin."""

from __future__ import annotations

import datetime
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError


def id_number_errors(id_number: str) -> list[str]:
    """Chinese messages for an invalid 18-character resident ID number (empty when valid)."""
    number = id_number.strip().upper()
    try:
        ric.validate(number)
    except InvalidLength:
        return [f"身份证号 {number} 长度应为 18 位"]
    except InvalidFormat:
        return [f"身份证号 {number} 前 17 位必须是数字"]
    except InvalidChecksum:
        return [f"身份证号 {number} 校验码错误"]
    except InvalidComponent:
        try:
            ric.get_birth_date(number)
        except (InvalidComponent, ValueError):
            return [f"身份证号 {number} 中的出生日期 {number[6:14]} 不存在"]
        return [f"身份证号 {number} 中的地区码 {number[:6]} 无效"]
    except ValidationError:
        return [f"身份证号 {number} 无效"]
    return []


def birth_date_of(id_number: str) -> datetime.date:
    return ric.get_birth_date(id_number)


def sex_of(id_number: str) -> str:
    """The 17th digit is odd for men and even for women."""
    return "male" if int(id_number[16]) % 2 == 1 else "female"


def normalise_id_number(id_number: str) -> str:
    return ric.compact(id_number).upper()


def mask_id_number(id_number: str) -> str:
    """2105**********0015: the region prefix and the last four, enough to tell records apart."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "*" * len(phone)


@lru_cache(maxsize=65536)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case without spaces: 张小明 → ("zhangxiaoming", "zxm")."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors="ignore")]
    initials = [s[0].lower() for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if s]
    return "".join(syllables), "".join(initials)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed years; a birthday on `on` counts as reached (a 29 February birthday is reached on
    1 March in other years)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
