"""The az CLI's current subscription, read the way ``az account show`` finds it (read only; no Textual here).

Kept apart from :mod:`plinktui.cloud` (which asks it for a default) so that neither imports the other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CLI_CLOUDS = {"https://management.azure.com": "AzureCloud", "https://management.chinacloudapi.cn": "AzureChinaCloud",
              "https://management.usgovcloudapi.net": "AzureUSGovernment"}
"""az CLI cloud names (``az cloud list``) for the ARM endpoints of Azure's public and sovereign clouds."""


def az_config_dir() -> Path:
    """Where the az CLI keeps its profile (``AZURE_CONFIG_DIR``, else ``~/.azure``), as the CLI itself decides."""
    return Path(os.environ.get("AZURE_CONFIG_DIR") or Path.home() / ".azure")


def cli_default_subscription(arm_endpoint: str = "https://management.azure.com") -> dict[str, Any] | None:
    """The az CLI's current subscription for this cloud (``az account show``): the ``isDefault`` entry of
    ``azureProfile.json`` whose ``environmentName`` is the cloud of ``arm_endpoint``; None when there is none.

    The file is read only (never written) and may start with a BOM, as the CLI writes it.
    """
    cloud = CLI_CLOUDS.get(arm_endpoint.rstrip("/"))
    if cloud is None:
        return None
    try:
        profile = json.loads((az_config_dir() / "azureProfile.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    subs = profile.get("subscriptions") if isinstance(profile, dict) else None
    for sub in subs if isinstance(subs, list) else []:
        if (isinstance(sub, dict) and sub.get("isDefault") and isinstance(sub.get("id"), str)
                and sub.get("environmentName", "AzureCloud") == cloud):
            return sub
    return None
