"""The cookie banner stays small and self-contained (no browser needed: these always run)."""

import re

from tests.support import ROOT

WEB = ROOT / "web"
LIMIT = 15 * 1024
OFF_SITE = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def crude_minify(source: str) -> str:
    """Comments stripped (not inside string literals) and whitespace collapsed: about what a real minifier leaves."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char in "'\"`":
            end = i + 1
            while end < n and source[end] != char:
                end += 2 if source[end] == "\\" else 1
            out.append(source[i : end + 1])
            i = end + 1
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        else:
            out.append(char)
            i += 1
    code = re.sub(r"\s+", " ", "".join(out))
    return re.sub(r" ?([{}()\[\];,:=<>+\-*/&|?!]) ?", r"\1", code).strip()


def _code(name: str) -> str:
    text = (WEB / name).read_text(encoding="utf-8")
    return crude_minify(text) if name.endswith(".js") else re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)


def test_banner_js_is_under_15_kb_minified():
    # Given the banner script as shipped
    source = (WEB / "banner.js").read_text(encoding="utf-8")
    # When it is minified crudely
    minified = crude_minify(source)
    # Then it is under 15 KB, and the minifier kept the code
    size = len(minified.encode("utf-8"))
    print(f"banner.js: {len(source.encode())} bytes, {size} bytes minified")
    assert "window.PrivacyConsent=" in minified
    assert "'privacy-consent'" in minified
    assert size < LIMIT, f"banner.js is {size} bytes minified; the limit is {LIMIT}"


def test_banner_loads_nothing_from_third_parties():
    for name in ("banner.js", "banner.css"):
        # Given the banner's code (comments aside: the embedding example in the header comment is documentation)
        code = _code(name)
        # Then no absolute URL literal, no @import, no url() pointing off-site, no font service or CDN
        assert not re.search(r"https?://", code, re.IGNORECASE), f"{name} contains an absolute URL"
        assert "@import" not in code, f"{name} imports a stylesheet"
        for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", code):
            assert not OFF_SITE.match(target.strip()), f"{name} loads {target} from elsewhere"
        assert not re.search(r"fonts\.|cdn", code, re.IGNORECASE), f"{name} references a font service or CDN"
