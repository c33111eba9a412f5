# Front door. Every target calls a script under infra/; see README.md.
.PHONY: up down status logs clean build test bench-cdc probe chaos-drop-dels chaos-kill-relay chaos-pause-invalidator chaos-stop-redis chaos-drop-l1-broadcast report chaos-redis-network cdc-reset bench-cdc-bulk bench-read bench nemesis chaos-replica-lag replica-delay replica-status

# The benchmark probes as infra/bench.sh runs them (PROBE there): C1 only and the serial collector, so that the
# probe's own compilations and GC threads stay out of the windows it measures on two cores.
BENCH_JAVA = java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "lag-probe/target/lag-probe.jar:lag-probe/target/lib/*"

up:        ## start PostgreSQL, Kafka, Redis us/eu and every service; waits until ready, prints the table
	@infra/stack.sh up
down:      ## stop exactly what `up` started (pid files)
	@infra/stack.sh down
status:    ## table of services, regions, URLs, pids and readiness
	@infra/stack.sh status
logs:      ## last 200 lines of one process's log: make logs SVC=catalog-us-1 [FOLLOW=1]
	@infra/stack.sh logs $(SVC)
clean:     ## wipe the stack's data, logs and pid files (stack must be down)
	@infra/stack.sh clean
build:     ## build every module without running tests
	@infra/stack.sh build
test:      ## every test: unit, Quarkus and end-to-end (the README's test command)
	./mvnw -B verify
bench-cdc: ## CDC commit-to-DEL lag per region for N paced plain-SQL writes (stack must be up): make bench-cdc [N=1000] [INTERVAL_MS=20] [OBSERVER=notify|poll]
	@test -d lag-probe/target/lib || ./mvnw -q -B -DskipTests install -pl lag-probe -am
	@set -a; . infra/stack.env; set +a; $(BENCH_JAVA) dev.cdccache.probe.CdcLagBench $(or $(N),1000) $(or $(INTERVAL_MS),20) $(or $(OBSERVER),notify)
probe:     ## time-to-fresh per region and path: make probe [WRITES=20] [VIA=api|sql] [WRITE_REGION=us|eu]
	@set -a; . infra/stack.env; set +a; test -d lag-probe/target/lib || ./mvnw -q -B -DskipTests install -pl lag-probe -am; \
	java -cp "lag-probe/target/lag-probe.jar:lag-probe/target/lib/*" dev.cdccache.probe.LagProbe \
	  --writes $(or $(WRITES),20) --via $(or $(VIA),api) --write-region $(or $(WRITE_REGION),us) 2>/dev/null
chaos-drop-dels:          ## drop every write-path DEL: CDC lag bounds staleness
	@infra/chaos/drop-dels.sh
chaos-kill-relay:         ## kill the relay and drop DELs: TTL bounds staleness; restart replays every change
	@infra/chaos/kill-relay.sh
chaos-pause-invalidator:  ## freeze one region's invalidator: make chaos-pause-invalidator REGION=eu
	@infra/chaos/pause-invalidator.sh $(or $(REGION),eu)
chaos-stop-redis:         ## stop one region's Redis: make chaos-stop-redis REGION=us
	@infra/chaos/stop-redis.sh $(or $(REGION),us)
chaos-drop-l1-broadcast:  ## drop L1 eviction messages: L1 TTL and gap flush bound staleness
	@infra/chaos/drop-l1-broadcast.sh
report:    ## the dashboard's key figures as text, from every process's /q/metrics
	@infra/report.sh
replica-delay:            ## eu's replica applies each commit DELAY ms late (0 = off): make replica-delay DELAY=2000
	@infra/replica.sh delay $(or $(DELAY),0)
replica-status:           ## eu's replica: replay position, apply delay, age of the last replayed commit
	@infra/replica.sh status
chaos-replica-lag:        ## eu replica DELAY ms behind: gated invalidation holds, the naive mode caches stale rows
	@DELAY=$(or $(DELAY),1000) infra/chaos/replica-lag.sh
chaos-redis-network:      ## latency or blackhole between catalog-us-2 and redis-us: make chaos-redis-network MODE=blackhole
	@infra/chaos/redis-network.sh $(or $(MODE),latency)
cdc-reset: ## recovery after a slot/offset mismatch: new slot, then a flush of every cache key space in every region
	@infra/stack.sh stop cdc-relay-standby
	@infra/stack.sh stop cdc-relay
	@CDC_RELAY_EXTRA=-Dcdc.relay.reset-on-start=true infra/stack.sh up
bench-cdc-bulk: ## CDC invalidation of one bulk transaction: make bench-cdc-bulk [ROWS=5000] [ROUNDS=5]
	@test -d lag-probe/target/lib || ./mvnw -q -B -DskipTests install -pl lag-probe -am
	@set -a; . infra/stack.env; set +a; $(BENCH_JAVA) dev.cdccache.probe.CdcBulkBench $(or $(ROWS),5000) $(or $(ROUNDS),5) 2>/dev/null
bench:     ## every performance goal in one table (stack up, machine otherwise idle): make bench [SIZE=full|smoke]
	@SIZE=$(or $(SIZE),full) infra/bench.sh
bench-read: ## read-path req/s and latency with wrk (hot key, 10,000 keys): make bench-read [DURATION=10s] [CONNECTIONS=64]
	@DURATION=$(or $(DURATION),10s) CONNECTIONS=$(or $(CONNECTIONS),64) infra/bench-read.sh
nemesis: ## faults × REPS against the running stack, a checker over the recorded history: make nemesis [REPS=20] [FAULTS=a,b] [HOLD_MS=3000]
	@infra/nemesis.sh --reps $(or $(REPS),20) --hold-ms $(or $(HOLD_MS),3000) --heal-ms $(or $(HEAL_MS),3000) $(if $(FAULTS),--faults $(FAULTS),)
