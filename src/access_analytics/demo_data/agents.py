"""User agents: one browser version per quarter of the log and patch level per user, the
laptop and phone mixes of students, staff and the public."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from access_analytics.demo_data.model import _World

# ---------------------------------------------------------------------------------------
# User agents: one version per quarter from 2018Q1 (index 0) to 2021Q2 (index 13).
# ---------------------------------------------------------------------------------------
_QUARTERS = 14
# Patch levels: users on the same browser and quarter differ in patch and OS minor version.
_PATCHES = 4
_PATCH_STEPS = (0, 14, 27, -10)
# fmt: off
_CHROME = ("64.0.3282.186", "66.0.3359.181", "67.0.3396.99", "69.0.3497.100",
           "71.0.3578.98", "72.0.3626.121", "74.0.3729.169", "76.0.3809.132",
           "78.0.3904.108", "80.0.3987.149", "83.0.4103.116", "85.0.4183.121",
           "87.0.4280.88", "89.0.4389.114")
_FIREFOX = ("58.0", "60.0", "61.0", "62.0", "64.0", "65.0", "67.0", "68.0", "70.0", "72.0",
            "76.0", "79.0", "84.0", "87.0")
_MACOS = ("10_13_3", "10_13_4", "10_13_6", "10_13_6", "10_14_2", "10_14_3", "10_14_4",
          "10_14_6", "10_15_1", "10_15_2", "10_15_4", "10_15_6", "10_15_7", "10_15_7")
_SAFARI = ("11.0.3", "11.1", "11.1.2", "12.0", "12.0.2", "12.0.3", "12.1", "12.1.2",
           "13.0.3", "13.0.4", "13.1", "13.1.2", "14.0.1", "14.0.3")
_IOS = ("11_2_6", "11_3", "11_4", "12_0", "12_1", "12_1_4", "12_3_1", "12_4", "13_1_3",
        "13_3", "13_4_1", "13_6", "14_2", "14_4")
_IOS_SAFARI = ("11.0", "11.0", "11.0", "12.0", "12.0", "12.0", "12.1", "12.1.2", "13.0.3",
               "13.0.4", "13.1", "13.1.2", "14.0.1", "14.0.3")
_ANDROID = ("8.0.0", "8.0.0", "8.1.0", "8.1.0", "9", "9", "9", "9", "10", "10", "10", "10",
            "11", "11")
_SAMSUNG = ("6.4", "7.0", "7.2", "7.4", "8.2", "9.0", "9.2", "10.1", "10.2", "11.0", "11.2",
            "12.0", "13.0", "13.2")
_CROS = ("10176.76.0", "10452.99.0", "10575.58.0", "10895.78.0", "11151.113.0",
         "11316.165.0", "11647.154.0", "12105.100.0", "12499.66.0", "12739.111.0",
         "13020.87.0", "13310.93.0", "13505.73.0", "13729.56.0")
_EDGE = ("Chrome/58.0.3029.110 Safari/537.36 Edge/16.16299",
         "Chrome/58.0.3029.110 Safari/537.36 Edge/16.16299",
         "Chrome/64.0.3282.140 Safari/537.36 Edge/17.17134",
         "Chrome/64.0.3282.140 Safari/537.36 Edge/17.17134",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.18362",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.18363",
         "Chrome/80.0.3987.132 Safari/537.36 Edg/80.0.361.66",
         "Chrome/83.0.4103.116 Safari/537.36 Edg/83.0.478.58",
         "Chrome/85.0.4183.102 Safari/537.36 Edg/85.0.564.51",
         "Chrome/87.0.4280.88 Safari/537.36 Edg/87.0.664.66",
         "Chrome/89.0.4389.114 Safari/537.36 Edg/89.0.774.68")
# fmt: on
_MAC_CHROME = 0  # index of the "mac_chrome" variant: loaner MacBooks, staff test accounts
_ANDROID_MODELS = ("SM-G960U", "Pixel 3", "SM-G973U", "moto g(7) power")
_SAMSUNG_MODELS = ("SAMSUNG SM-G960U", "SAMSUNG SM-N960U", "SAMSUNG SM-A505U")


def _chrome(q: int, k: int) -> str:
    """Chrome's full version in quarter q at patch level k."""
    major, minor, build, patch = _CHROME[q].split(".")
    return f"{major}.{minor}.{build}.{int(patch) + _PATCH_STEPS[k]}"


def _older_minor(version: str, k: int, sep: str) -> str:
    """The OS version at patch level k: levels 2 and 3 lag one minor release behind."""
    parts = version.split(sep)
    if k < 2:
        return version
    if len(parts) == 2:
        return version if k == 2 else sep.join([*parts, "1"])
    last = int(parts[-1])
    return sep.join([*parts[:-1], str(max(0, last - 1))]) if last > 1 else sep.join(parts[:-1])


_Variant = tuple[str, str, Callable[[int, int], str]]
_WIN = "Windows NT 10.0; Win64; x64"
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"


def _ua_variants() -> list[_Variant]:
    """User-agent variants as (name, os, (quarter, patch level) -> user-agent string)."""
    return [*_mac_variants(), *_pc_variants(), *_phone_variants()]


def _mac_os(q: int, k: int) -> str:
    return _older_minor(_MACOS[q], k, "_")


def _mac_firefox_os(q: int, k: int) -> str:
    return ("10.13" if q < 4 else "10.14" if q < 8 else "10.15") if k < 3 else "10.12"


def _ios(q: int, k: int) -> str:
    return _older_minor(_IOS[q], k, "_")


def _cros(q: int, k: int) -> str:
    platform, minor, patch = _CROS[q].split(".")
    return f"{platform}.{max(1, int(minor) - 4 * k)}.{patch}"


def _mac_variants() -> list[_Variant]:
    """Browsers on Macs."""
    return [
        (
            "mac_chrome",
            "mac",
            lambda q, k: (
                f"Mozilla/5.0 (Macintosh; Intel Mac OS X {_mac_os(q, k)}) "
                f"{_WEBKIT} Chrome/{_chrome(q, k)} Safari/537.36"
            ),
        ),
        (
            "mac_safari",
            "mac",
            lambda q, k: (
                f"Mozilla/5.0 (Macintosh; Intel Mac OS X {_mac_os(q, k)}) "
                f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{_SAFARI[q]} Safari/605.1.15"
            ),
        ),
        (
            "mac_firefox",
            "mac",
            lambda q, k: (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X "
                f"{_mac_firefox_os(q, k)}; rv:{_FIREFOX[q]}) Gecko/20100101 Firefox/{_FIREFOX[q]}"
            ),
        ),
    ]


def _pc_variants() -> list[_Variant]:
    """Browsers on Windows and Linux PCs and Chromebooks."""
    return [
        (
            "win_chrome",
            "windows",
            lambda q, k: f"Mozilla/5.0 ({_WIN}) {_WEBKIT} Chrome/{_chrome(q, k)} Safari/537.36",
        ),
        (
            "win_firefox",
            "windows",
            lambda q, k: (
                f"Mozilla/5.0 ({_WIN}; rv:{_FIREFOX[q]}) Gecko/20100101 Firefox/{_FIREFOX[q]}"
            ),
        ),
        ("win_edge", "windows", lambda q, k: f"Mozilla/5.0 ({_WIN}) {_WEBKIT} {_EDGE[q]}"),
        (
            "linux_chrome",
            "linux",
            lambda q, k: (
                f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} Chrome/{_chrome(q, k)} Safari/537.36"
            ),
        ),
        (
            "linux_firefox",
            "linux",
            lambda q, k: (
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; "
                f"rv:{_FIREFOX[q]}) Gecko/20100101 Firefox/{_FIREFOX[q]}"
            ),
        ),
        (
            "cros_chrome",
            "chromeos",
            lambda q, k: (
                f"Mozilla/5.0 (X11; CrOS x86_64 {_cros(q, k)}) "
                f"{_WEBKIT} Chrome/{_chrome(q, k)} Safari/537.36"
            ),
        ),
    ]


def _phone_variants() -> list[_Variant]:
    """Browsers on iPhones and Android phones (one variant per phone model)."""
    return [
        (
            "iphone_safari",
            "ios",
            lambda q, k: (
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {_ios(q, k)} "
                f"like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{_IOS_SAFARI[q]} "
                "Mobile/15E148 Safari/604.1"
            ),
        ),
        (
            "iphone_chrome",
            "ios",
            lambda q, k: (
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {_ios(q, k)} "
                f"like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{_chrome(q, k)} "
                "Mobile/15E148 Safari/604.1"
            ),
        ),
        *[("android_chrome", "android", _android_chrome(m)) for m in _ANDROID_MODELS],
        *[("samsung_internet", "android", _samsung_internet(m)) for m in _SAMSUNG_MODELS],
    ]


def _android_chrome(model: str) -> Callable[[int, int], str]:
    """Chrome's user agent on an Android phone model, by (quarter, patch level)."""
    webkit = _WEBKIT

    def agent(q: int, k: int) -> str:
        return (
            f"Mozilla/5.0 (Linux; Android {_ANDROID[q]}; {model}) {webkit} "
            f"Chrome/{_chrome(q, k)} Mobile Safari/537.36"
        )

    return agent


def _samsung_internet(model: str) -> Callable[[int, int], str]:
    """Samsung Internet's user agent on a Galaxy model, by (quarter, patch level)."""
    webkit = _WEBKIT

    def agent(q: int, k: int) -> str:
        return (
            f"Mozilla/5.0 (Linux; Android {_ANDROID[q]}; {model}) {webkit} "
            f"SamsungBrowser/{_SAMSUNG[q]} Chrome/{_chrome(max(0, q - 6), k)} "
            "Mobile Safari/537.36"
        )

    return agent


# Laptop and phone variant probabilities by name (mass split evenly over models).
# fmt: off
_LAPTOP_MIX = {
    "student": {"mac_chrome": 0.6, "mac_safari": 0.08, "mac_firefox": 0.07, "win_chrome": 0.12,
                "win_firefox": 0.02, "win_edge": 0.03, "linux_chrome": 0.025,
                "linux_firefox": 0.015, "cros_chrome": 0.04},
    "staff": {"mac_chrome": 0.75, "mac_safari": 0.08, "mac_firefox": 0.1, "linux_chrome": 0.04,
              "linux_firefox": 0.03},
    "public": {"mac_chrome": 0.33, "mac_safari": 0.07, "mac_firefox": 0.05, "win_chrome": 0.3,
               "win_firefox": 0.05, "win_edge": 0.1, "linux_chrome": 0.05, "cros_chrome": 0.05},
}
_PHONE_MIX = {"iphone_safari": 0.5, "iphone_chrome": 0.08, "android_chrome": 0.3,
              "samsung_internet": 0.12}
# fmt: on


def _pick(
    rng: np.random.Generator, mix: dict[str, float], names: list[str], size: int
) -> np.ndarray:
    """Draw user-agent variants by name, splitting a name's mass over its models."""
    options: list[int] = []
    weights: list[float] = []
    for name, mass in mix.items():
        ids = [i for i, n in enumerate(names) if n == name]
        options.extend(ids)
        weights.extend([mass / len(ids)] * len(ids))
    p = np.array(weights) / sum(weights)
    return np.array(options, dtype=np.int64)[rng.choice(len(options), size=size, p=p)]


def _ua(
    world: _World, variant: np.ndarray, lag: np.ndarray, day: np.ndarray, patch: np.ndarray
) -> np.ndarray:
    q = np.clip(world.quarter[day] - lag, 0, _QUARTERS - 1)
    agent: np.ndarray = (variant * _QUARTERS + q) * _PATCHES + patch
    return agent


def _device_ua(world: _World, name: str, u: int, day: int) -> int:
    users = world.users
    variant = world.ua_variant_names.index(name)
    return int(
        _ua(
            world,
            np.array([variant]),
            np.array([users.lag[u]]),
            np.array([day]),
            np.array([users.patch[u]]),
        )[0]
    )
