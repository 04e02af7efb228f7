// Data module — see docs/ARCHITECTURE.md.
