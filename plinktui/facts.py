"""Fixed facts about Azure that several parts of plinktui rely on (one definition each)."""

from __future__ import annotations

AZURE_DNS = "168.63.129.16"
"""Azure-provided DNS (the platform's virtual public IP for DNS, DHCP and health probes): the only resolver that
answers from the private DNS zones linked to a VNet. A VM resolves through it unless the VNet or NIC names custom
DNS servers."""
