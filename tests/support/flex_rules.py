"""LINE's published message rules (Messaging API reference, "Message objects" and "Flex
Message"), as a checker: message_errors(message) lists every rule a message breaks.

Covered: text and flex messages; bubble and carousel containers (at most 12 bubbles of one
width; 30 KB per bubble, 50 KB per carousel); the block kinds a bubble takes; box layouts and
the components each may hold; the properties each component knows (an unknown one is a
typo LINE rejects); required fields; enumerated sizes and styles; hex colours; image URLs
(https, at most 2000 characters); actions (uri: http/https/line/tel, at most 1000
characters; postback data at most 300; labels at most 40 on a Flex button); altText
(1 to 1500 characters); text messages (at most 5000 characters).
"""

from __future__ import annotations

import json
import re
from typing import Any

ALT_TEXT_MAX = 1500
TEXT_MESSAGE_MAX = 5000
MAX_BUBBLES = 12
BUBBLE_JSON_MAX = 30 * 1024
CAROUSEL_JSON_MAX = 50 * 1024
IMAGE_URL_MAX = 2000
URI_MAX = 1000
POSTBACK_DATA_MAX = 300
DISPLAY_TEXT_MAX = 300
BUTTON_LABEL_MAX = 40

BUBBLE_SIZES = {"nano", "micro", "deca", "hecto", "kilo", "mega", "giga"}
BUBBLE_KEYS = {"type", "size", "direction", "header", "hero", "body", "footer", "styles", "action"}
SIZES = {"xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl", "full"}
SPACINGS = {"none", "xs", "sm", "md", "lg", "xl", "xxl"}
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_PIXELS_OR_PERCENT = re.compile(r"^\d+(?:\.\d+)?(?:px|%)$")
_ASPECT = re.compile(r"^\d+(?:\.\d+)?:\d+(?:\.\d+)?$")

COMMON = {
    "type",
    "flex",
    "margin",
    "position",
    "offsetTop",
    "offsetBottom",
    "offsetStart",
    "offsetEnd",
    "action",
}
PROPERTIES: dict[str, set[str]] = {
    "box": COMMON
    | {
        "layout",
        "contents",
        "backgroundColor",
        "borderColor",
        "borderWidth",
        "cornerRadius",
        "width",
        "maxWidth",
        "height",
        "maxHeight",
        "spacing",
        "paddingAll",
        "paddingTop",
        "paddingBottom",
        "paddingStart",
        "paddingEnd",
        "background",
        "justifyContent",
        "alignItems",
    },
    "text": COMMON
    | {
        "text",
        "contents",
        "size",
        "align",
        "gravity",
        "wrap",
        "lineSpacing",
        "maxLines",
        "weight",
        "color",
        "style",
        "decoration",
        "scaling",
        "adjustMode",
    },
    "button": COMMON | {"height", "style", "color", "gravity", "adjustMode", "scaling"},
    "image": COMMON
    | {
        "url",
        "align",
        "gravity",
        "size",
        "aspectRatio",
        "aspectMode",
        "backgroundColor",
        "animated",
    },
    "icon": COMMON | {"url", "size", "aspectRatio", "scaling"},
    "separator": {"type", "margin", "color"},
    "filler": {"type", "flex"},
    "span": {"type", "text", "size", "color", "weight", "style", "decoration"},
    "video": {"type", "url", "previewUrl", "altContent", "aspectRatio", "action"},
}
CHILDREN = {
    "horizontal": {"box", "button", "image", "text", "separator", "filler"},
    "vertical": {"box", "button", "image", "text", "separator", "filler"},
    "baseline": {"icon", "text", "filler"},
}


def message_errors(message: Any) -> list[str]:
    errors: list[str] = []
    if not isinstance(message, dict):
        return ["a message must be an object"]
    kind = message.get("type")
    if kind == "text":
        text = message.get("text")
        if not isinstance(text, str) or not text:
            errors.append("text message: text is required")
        elif len(text) > TEXT_MESSAGE_MAX:
            errors.append(f"text message: text longer than {TEXT_MESSAGE_MAX}")
        return errors
    if kind != "flex":
        return [f"unsupported message type {kind!r}"]
    alt = message.get("altText")
    if not isinstance(alt, str) or not alt.strip():
        errors.append("flex: altText is required")
    elif len(alt) > ALT_TEXT_MAX:
        errors.append(f"flex: altText has {len(alt)} characters (max {ALT_TEXT_MAX})")
    contents = message.get("contents")
    if not isinstance(contents, dict):
        return [*errors, "flex: contents (a container) is required"]
    if contents.get("type") == "bubble":
        errors += _bubble(contents, "contents")
    elif contents.get("type") == "carousel":
        errors += _carousel(contents)
    else:
        errors.append(f"flex: unknown container {contents.get('type')!r}")
    return errors


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def _carousel(c: dict[str, Any]) -> list[str]:
    errors = []
    bubbles = c.get("contents")
    if not isinstance(bubbles, list) or not bubbles:
        return ["carousel: contents must be a non-empty list of bubbles"]
    if len(bubbles) > MAX_BUBBLES:
        errors.append(f"carousel: {len(bubbles)} bubbles (max {MAX_BUBBLES})")
    if set(c) - {"type", "contents"}:
        errors.append(f"carousel: unknown properties {sorted(set(c) - {'type', 'contents'})}")
    if _size(c) > CAROUSEL_JSON_MAX:
        errors.append(f"carousel: {_size(c)} bytes of JSON (max {CAROUSEL_JSON_MAX})")
    widths = {b.get("size", "mega") for b in bubbles if isinstance(b, dict)}
    if len(widths) > 1:
        errors.append(f"carousel: bubbles of different widths {sorted(widths)}")
    for i, bubble in enumerate(bubbles):
        if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
            errors.append(f"carousel.contents[{i}]: not a bubble")
        else:
            errors += _bubble(bubble, f"carousel.contents[{i}]")
    return errors


def _bubble(b: dict[str, Any], where: str) -> list[str]:
    errors = []
    unknown = set(b) - BUBBLE_KEYS
    if unknown:
        errors.append(f"{where}: unknown bubble properties {sorted(unknown)}")
    if "size" in b and b["size"] not in BUBBLE_SIZES:
        errors.append(f"{where}: bubble size {b['size']!r}")
    if _size(b) > BUBBLE_JSON_MAX:
        errors.append(f"{where}: {_size(b)} bytes of JSON (max {BUBBLE_JSON_MAX})")
    if not any(k in b for k in ("header", "hero", "body", "footer")):
        errors.append(f"{where}: a bubble needs at least one block")
    for block in ("header", "body", "footer"):
        if block in b:
            if not isinstance(b[block], dict) or b[block].get("type") != "box":
                errors.append(f"{where}.{block}: must be a box")
            else:
                errors += _component(b[block], f"{where}.{block}", parent_layout=None)
    if "hero" in b:
        hero = b["hero"]
        if not isinstance(hero, dict) or hero.get("type") not in ("box", "image", "video"):
            errors.append(f"{where}.hero: must be a box, an image or a video")
        else:
            errors += _component(hero, f"{where}.hero", parent_layout=None)
    if "action" in b:
        errors += _action(b["action"], f"{where}.action", BUTTON_LABEL_MAX, label_required=False)
    return errors


def _component(c: Any, where: str, parent_layout: str | None) -> list[str]:
    if not isinstance(c, dict):
        return [f"{where}: a component must be an object"]
    kind = c.get("type")
    if kind not in PROPERTIES:
        return [f"{where}: unknown component {kind!r}"]
    errors = []
    if parent_layout is not None and kind not in CHILDREN[parent_layout]:
        errors.append(f"{where}: a {parent_layout} box cannot hold a {kind}")
    unknown = set(c) - PROPERTIES[kind]
    if unknown:
        errors.append(f"{where}: unknown {kind} properties {sorted(unknown)}")
    for key in ("color", "backgroundColor", "borderColor"):
        if key in c and not (isinstance(c[key], str) and _COLOUR.match(c[key])):
            errors.append(f"{where}.{key}: {c[key]!r} is not a hex colour")
    for key in ("margin", "spacing"):
        if key in c and c[key] not in SPACINGS and not _PIXELS_OR_PERCENT.match(str(c[key])):
            errors.append(f"{where}.{key}: {c[key]!r}")
    for key in ("width", "height", "maxWidth", "maxHeight"):
        if kind == "box" and key in c and not _PIXELS_OR_PERCENT.match(str(c[key])):
            errors.append(f"{where}.{key}: {c[key]!r} must be pixels or a percentage")
    if "flex" in c and not (isinstance(c["flex"], int) and c["flex"] >= 0):
        errors.append(f"{where}.flex: must be a non-negative integer")
    if "action" in c and kind != "button":
        errors += _action(c["action"], f"{where}.action", BUTTON_LABEL_MAX, label_required=False)
    if kind == "box":
        layout = c.get("layout")
        if layout not in CHILDREN:
            errors.append(f"{where}: box layout {layout!r}")
        children = c.get("contents")
        if not isinstance(children, list):
            errors.append(f"{where}: box contents must be a list")
        elif layout in CHILDREN:
            for i, child in enumerate(children):
                errors += _component(child, f"{where}.contents[{i}]", layout)
    elif kind == "text":
        text, spans = c.get("text"), c.get("contents")
        if not (isinstance(text, str) and text) and not spans:
            errors.append(f"{where}: text needs text or contents")
        if "size" in c and c["size"] not in SIZES and not _PIXELS_OR_PERCENT.match(str(c["size"])):
            errors.append(f"{where}.size: {c['size']!r}")
        if "weight" in c and c["weight"] not in ("regular", "bold"):
            errors.append(f"{where}.weight: {c['weight']!r}")
        if "wrap" in c and not isinstance(c["wrap"], bool):
            errors.append(f"{where}.wrap: must be a boolean")
    elif kind == "button":
        if "action" not in c:
            errors.append(f"{where}: a button needs an action")
        else:
            errors += _action(c["action"], f"{where}.action", BUTTON_LABEL_MAX, label_required=True)
        if "style" in c and c["style"] not in ("primary", "secondary", "link"):
            errors.append(f"{where}.style: {c['style']!r}")
        if "height" in c and c["height"] not in ("sm", "md"):
            errors.append(f"{where}.height: {c['height']!r}")
    elif kind in ("image", "icon"):
        url = c.get("url")
        if not isinstance(url, str) or not url.startswith("https://"):
            errors.append(f"{where}.url: images must be https, not {url!r}")
        elif len(url) > IMAGE_URL_MAX:
            errors.append(f"{where}.url: longer than {IMAGE_URL_MAX}")
        if "aspectRatio" in c and not _ASPECT.match(str(c["aspectRatio"])):
            errors.append(f"{where}.aspectRatio: {c['aspectRatio']!r}")
        if "aspectMode" in c and c["aspectMode"] not in ("fit", "cover"):
            errors.append(f"{where}.aspectMode: {c['aspectMode']!r}")
    return errors


def _action(a: Any, where: str, label_max: int, label_required: bool) -> list[str]:
    if not isinstance(a, dict):
        return [f"{where}: an action must be an object"]
    errors = []
    label = a.get("label")
    if label_required and not (isinstance(label, str) and label):
        errors.append(f"{where}: label is required")
    if isinstance(label, str) and len(label) > label_max:
        errors.append(f"{where}: label longer than {label_max}")
    kind = a.get("type")
    if kind == "uri":
        uri = a.get("uri")
        if not isinstance(uri, str) or not re.match(r"^(https?|line|tel):", uri):
            errors.append(f"{where}.uri: scheme must be http, https, line or tel: {uri!r}")
        elif len(uri) > URI_MAX:
            errors.append(f"{where}.uri: longer than {URI_MAX}")
    elif kind == "postback":
        data = a.get("data")
        if not isinstance(data, str) or not data:
            errors.append(f"{where}.data: required")
        elif len(data) > POSTBACK_DATA_MAX:
            errors.append(f"{where}.data: longer than {POSTBACK_DATA_MAX}")
        if "displayText" in a and len(str(a["displayText"])) > DISPLAY_TEXT_MAX:
            errors.append(f"{where}.displayText: longer than {DISPLAY_TEXT_MAX}")
    elif kind == "message":
        if not isinstance(a.get("text"), str) or not a["text"]:
            errors.append(f"{where}.text: required")
    else:
        errors.append(f"{where}: unsupported action {kind!r}")
    return errors
