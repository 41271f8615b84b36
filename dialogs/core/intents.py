"""Intent names the built-in flows answer to by default.

The demo's NLU data teaches these names and the flows' specs route them; a business whose
NLU data uses other names routes those in its config. Only the names more than one flow
must agree on live here.
"""

from __future__ import annotations

# Product and policy questions: Q&A answers them in one turn, so a form in progress hands
# them over and then asks its question again.
QUESTIONS = frozenset(
    {
        "ask_price",
        "ask_features",
        "compare_products",
        "ask_availability",
        "ask_shipping",
        "ask_returns",
        "ask_payment",
        "ask_warranty",
    }
)
