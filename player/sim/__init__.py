"""What plays Asterisk and its neighbours for the demo, the tests and the benchmarks;
production code never imports it."""
