"""A business author's tools: ``salesbot init`` writes a new business's configuration from
templates, ``salesbot check`` finds what is wrong or weak in one (#15)."""
