"""What the tests and the benchmarks both use to start and drive the system:
service processes, fresh databases and topic prefixes on the real servers,
request factories, waiting, receivers that stand in for mail and webhook servers."""
