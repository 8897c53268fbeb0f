"""Pure logic of the history endpoints: flakiness formulas, trend, cursor encoding."""
