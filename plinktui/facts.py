"""Fixed facts about Azure that several parts of plinktui rely on (one definition each)."""

from __future__ import annotations

AZURE_DNS = "168.63.129.16"
"""Azure-provided DNS (the platform's virtual public IP for DNS, DHCP and health probes): the only resolver that
answers from the private DNS zones linked to a VNet. A VM resolves through it unless the VNet or NIC names custom
DNS servers."""

RESERVED_ADMIN_NAMES: frozenset[str] = frozenset({
    "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123", "a",
    "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner", "root", "server",
    "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5",
})
"""VM admin user names Azure refuses, compared case-insensitively (the Compute API's documented "Disallowed values"
of ``osProfile.adminUsername``)."""
