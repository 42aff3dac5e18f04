// Placeholder entry point until the benchmark harness lands.
return 0;
