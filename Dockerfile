# One build for the three applications (JVM mode); docker-compose picks a target per service.
# Image versions come from .env (build args), pinned there.
ARG MAVEN_IMAGE
ARG JRE_IMAGE

FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests install -pl catalog-service,pricing-service,invalidation-consumer,console -am

FROM ${JRE_IMAGE} AS runtime
# curl for the compose healthchecks (GET /q/health/ready).
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 1001 app && mkdir -p /data && chown app /data
# /data: the relay's Debezium offsets (a named volume takes this ownership on first mount).
WORKDIR /app
ENV JAVA_OPTS="-XX:+UseSerialGC -Xmx384m" QUARKUS_HTTP_HOST=0.0.0.0
USER app
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]

FROM runtime AS catalog-service
COPY --from=build --chown=app /src/catalog-service/target/quarkus-app/ /app/

FROM runtime AS pricing-service
COPY --from=build --chown=app /src/pricing-service/target/quarkus-app/ /app/

FROM runtime AS invalidation-consumer
COPY --from=build --chown=app /src/invalidation-consumer/target/quarkus-app/ /app/

FROM runtime AS console
COPY --from=build --chown=app /src/console/target/quarkus-app/ /app/
