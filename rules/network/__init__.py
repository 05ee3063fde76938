"""GAE1xx, sockets and network: one module per group of rules, and the
socket knowledge they share (:mod:`.sockets`: which objects are sockets,
how addresses and ports are read, the blocked ranges)."""
