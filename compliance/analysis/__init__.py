"""Analysis: a post's caption -> normalised text, tokens, commercial signals, disclosures, zones."""
