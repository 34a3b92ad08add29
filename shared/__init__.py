"""Account & Billing shared layer: domain logic and data access used by every function."""
