# amplive: one static binary in a distroless image, running as non-root.
#   docker build -t amplive .
#   docker run -p 8080:8080 amplive serve --demo          # embedded store, demo data
#   docker run -p 8080:8080 -e AMPLIVE_MONGODB_URI=… -e AMPLIVE_SIGNING_KEYS=… \
#              -e AMPLIVE_ALLOWED_SENDERS=… amplive          # production
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (the embedded store's SQLite is modernc.org/sqlite), so CGO is off
# and the binary is static. ferretdb_no_postgresql drops FerretDB's unused
# PostgreSQL backend; -s -w drop debug symbols.
RUN CGO_ENABLED=0 go build -trimpath -tags ferretdb_no_postgresql -ldflags "-s -w" \
        -o /out/amplive ./cmd/amplive \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/amplive /usr/local/bin/amplive
# The embedded development store writes here; mount a volume to keep it.
COPY --from=build --chown=65532:65532 /out/data /data
ENV AMPLIVE_ADDR=:8080 \
    AMPLIVE_DATA_DIR=/data
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/amplive"]
CMD ["serve"]
