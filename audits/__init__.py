"""The audit engine, headless (never imports textual or questionary).

Rooms, in the order an audit runs:

- ``collector``  read-only inventory from subscription-wide list calls (requests grow with pages, not endpoints)
- ``inventory``  typed dataclasses built from ARM JSON (SDK ``as_dict()`` or plain dicts) plus lookup indexes
- ``services``   private-link sub-resource -> privatelink zone(s) and public suffixes, per cloud
- ``probing``    pick a VM per VNet and prove resolution from inside it (plinktui.probes)
- ``checks``     the catalogue PL001..PL025: pure functions over the inventory and probe verdicts
- ``report``     table, JSON (plinktui.audit/v1), Markdown and SARIF 2.1.0
- ``engine``     collect -> probe -> check, shared by ``plinktui audit`` (``cli``) and the TUI audit pane
"""
