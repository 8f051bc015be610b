"""Assessment content rules: who gets the answer key, and the delivery form everyone else gets."""
