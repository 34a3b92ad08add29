"""Test tooling shared by tests/, bench/ and the local stack: Stripe event builders, the one
fake of the Stripe reads interface, factories and the one fake Lambda context."""
