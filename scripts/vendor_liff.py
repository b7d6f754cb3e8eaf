#!/usr/bin/env python3
"""Vendor the LIFF SDK into the web app's static files, from the npm registry.

Drive2 serves the LIFF SDK itself (no CDN: the page's Content-Security-Policy allows
scripts from Drive2 only). `@line/liff` on npm is a set of ES modules spread over ~40
`@liff/*` packages, so this script installs the package with npm into a temporary folder,
bundles it with esbuild into one ES module (`export default liff`), and writes next to it:

- `LICENSE.md`: the terms `@line/liff` ships with (its README's licence section),
- `THIRD-PARTY-LICENSES.txt`: the licence files of every other package in the bundle,
- `manifest.json`: versions, npm integrity strings and the bundle's SHA-256.

The result is committed; run this only to move to another version:

    python3 scripts/vendor_liff.py            # the version in manifest.json
    python3 scripts/vendor_liff.py 2.32.0     # another version
    python3 scripts/vendor_liff.py --check    # does the committed bundle match its manifest?
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "src" / "drive2" / "web" / "static" / "vendor" / "liff"
BUNDLE = "sdk.js"
DEFAULT_VERSION = "2.31.0"
ESBUILD_VERSION = "0.24.0"
NO_TEXT = "The package has no licence text of its own; the LIFF terms in LICENSE.md apply.\n"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license", "license.md")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(cmd: list[str], cwd: Path) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True)


def package_of(module_path: str) -> str | None:
    """`node_modules/@liff/init/lib/index.es.js` → `@liff/init`."""
    parts = module_path.split("/")
    if "node_modules" not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index("node_modules")
    name = parts[i + 1]
    return f"{name}/{parts[i + 2]}" if name.startswith("@") else name


def licence_text(package_dir: Path) -> str | None:
    """The package's licence file, else its README's licence section (the `@liff/*`
    packages say "SEE LICENSE IN README.md")."""
    for name in LICENCE_NAMES:
        candidate = package_dir / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace")
    readme = package_dir / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8", errors="replace")
        start = text.find("## License")
        if start >= 0:
            return text[start:].strip() + "\n"
    return None


def liff_terms(readme: str) -> str:
    start = readme.find("## License")
    section = readme[start:] if start >= 0 else readme
    return (
        "# LIFF SDK (@line/liff) — licence\n\n"
        "The file `sdk.js` in this folder is the npm package `@line/liff` bundled into one ES\n"
        "module by `scripts/vendor_liff.py`. The package states its terms in its README:\n\n"
        + section.replace("## License", "## License (from the package's README)", 1).strip()
        + "\n"
    )


def vendor(version: str) -> None:
    if shutil.which("npm") is None:
        sys.exit("npm is needed to vendor the LIFF SDK (https://nodejs.org)")
    with tempfile.TemporaryDirectory(prefix="drive2-liff-") as tmp:
        work = Path(tmp)
        (work / "package.json").write_text('{"private": true}\n')
        run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--save-exact",
                f"@line/liff@{version}",
                f"esbuild@{ESBUILD_VERSION}",
            ],
            work,
        )
        (work / "entry.mjs").write_text('import liff from "@line/liff";\nexport default liff;\n')
        run(
            [
                str(work / "node_modules" / ".bin" / "esbuild"),
                "entry.mjs",
                "--bundle",
                "--format=esm",
                "--platform=browser",
                "--target=es2020",
                "--minify",
                "--legal-comments=eof",
                "--metafile=meta.json",
                f"--outfile=out/{BUNDLE}",
            ],
            work,
        )
        meta = json.loads((work / "meta.json").read_text())
        lock = json.loads((work / "package-lock.json").read_text())["packages"]
        bundled = sorted({p for p in map(package_of, meta["inputs"]) if p})
        DEST.mkdir(parents=True, exist_ok=True)
        for old in DEST.iterdir():
            old.unlink()
        shutil.copyfile(work / "out" / BUNDLE, DEST / BUNDLE)
        liff_dir = work / "node_modules" / "@line" / "liff"
        (DEST / "LICENSE.md").write_text(liff_terms((liff_dir / "README.md").read_text()))
        notices = []
        for name in bundled:
            text = licence_text(work / "node_modules" / name)
            entry = lock.get(f"node_modules/{name}", {})
            header = f"{name} {entry.get('version', '?')} ({entry.get('license', 'see package')})"
            notices.append(f"{'=' * 78}\n{header}\n{'=' * 78}\n{text or NO_TEXT}\n")
        (DEST / "THIRD-PARTY-LICENSES.txt").write_text("\n".join(notices))
        manifest = {
            "package": "@line/liff",
            "version": lock["node_modules/@line/liff"]["version"],
            "integrity": lock["node_modules/@line/liff"]["integrity"],
            "bundler": f"esbuild {ESBUILD_VERSION}",
            "file": BUNDLE,
            "sha256": sha256(DEST / BUNDLE),
            "bundled_packages": {
                name: {
                    "version": lock.get(f"node_modules/{name}", {}).get("version"),
                    "integrity": lock.get(f"node_modules/{name}", {}).get("integrity"),
                }
                for name in bundled
            },
        }
        (DEST / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        print(f"vendored @line/liff {manifest['version']} into {DEST.relative_to(ROOT)}")


def check() -> int:
    manifest = json.loads((DEST / "manifest.json").read_text())
    actual = sha256(DEST / manifest["file"])
    if actual != manifest["sha256"]:
        print(f"{manifest['file']} does not match manifest.json: {actual}")
        return 1
    print(f"@line/liff {manifest['version']}: {manifest['file']} matches manifest.json")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", nargs="?", help="@line/liff version (default: as vendored)")
    parser.add_argument("--check", action="store_true", help="verify the committed bundle")
    args = parser.parse_args()
    if args.check:
        return check()
    version = args.version
    if version is None and (DEST / "manifest.json").exists():
        version = json.loads((DEST / "manifest.json").read_text())["version"]
    vendor(version or DEFAULT_VERSION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
