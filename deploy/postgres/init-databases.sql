-- One database per service: no service ever reads another's (docker compose only;
-- `make dev` creates its own).
CREATE DATABASE web;
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE dune_runner;
CREATE DATABASE notifier;
