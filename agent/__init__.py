"""The store-PC agent: enrols a TC-200 terminal, sends heartbeats, buffers events and runs the server's commands.

Kept light on purpose (footprint ≤ 40 MB RSS): httpx, psutil, pyserial and the standard library only.
"""

AGENT_VERSION = "0.1.0"
