# Sourced by scripts/kafka.sh for `secure ...`: a broker with a SASL_SSL listener (SCRAM-SHA-512,
# SCRAM-SHA-256 and PLAIN) on $port and an SSL listener that requires a client certificate
# (mTLS) on $ssl_port, both on 127.0.0.1, the controller on plain $controller_port.
#
# Made once under $home (kept until `secure reset`):
#   tls/ca.crt                  the CA clients trust (HUB_KAFKA_SSL_CA_LOCATION)
#   tls/broker.p12              the broker's key and certificate (127.0.0.1, localhost), PKCS12
#   tls/client.crt, client.key  a client certificate for the mTLS listener (CN=hub-client)
#   credentials/hub.password    the SCRAM/PLAIN password of user `hub` (HUB_KAFKA_SASL_PASSWORD_FILE)
#   credentials/admin.password  the broker's own inter-broker user
# SCRAM credentials are written into the KRaft metadata by `kafka-storage format --add-scram`.

ssl_port="${KAFKA_SSL_PORT:-19095}"
tls="$home/tls"
creds="$home/credentials"

make_tls() {
  [ -f "$tls/.complete" ] && return 0
  command -v openssl >/dev/null || { log "openssl is needed to make the certificates"; exit 1; }
  log "making a CA and certificates in $tls"
  rm -rf "$tls"; mkdir -p "$tls"; chmod 700 "$tls"
  local days=3650
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $days -subj "/CN=hub-local-kafka-ca" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  # a leaf for $1 (CN) with SANs $2 and extended key usage $3, signed by the CA
  leaf() {
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$1" \
      -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=$3" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid,issuer" $2 \
      >"$tls/$1.ext"
    openssl x509 -req -sha256 -days $days -in "$tls/$1.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
      -CAcreateserial -extfile "$tls/$1.ext" -out "$tls/$1.crt" 2>/dev/null
    rm -f "$tls/$1.csr" "$tls/$1.ext"
  }
  leaf broker "subjectAltName=IP:127.0.0.1,DNS:localhost" "serverAuth,clientAuth"
  leaf hub-client "" "clientAuth"
  mv "$tls/hub-client.crt" "$tls/client.crt"; mv "$tls/hub-client.key" "$tls/client.key"
  openssl rand -hex 16 >"$tls/store.password"
  openssl pkcs12 -export -name broker -in "$tls/broker.crt" -inkey "$tls/broker.key" \
    -certfile "$tls/ca.crt" -out "$tls/broker.p12" -passout "file:$tls/store.password"
  chmod 600 "$tls"/*.key "$tls/store.password" "$tls/broker.p12"
  touch "$tls/.complete"
}

make_credentials() {
  mkdir -p "$creds"; chmod 700 "$creds"
  local user
  for user in hub admin; do
    [ -s "$creds/$user.password" ] && continue
    # a new password only means something before the users are written at formatting
    [ -f "$home/data/meta.properties" ] && { log "$creds/$user.password is missing; run 'secure reset'"; exit 1; }
    (umask 077; openssl rand -hex 16 >"$creds/$user.password")
  done
}

# What `kafka-storage random-uuid` prints (16 random bytes, URL-safe base64 without padding,
# not starting with "-"), without starting a JVM for it.
random_cluster_id() {
  local id
  while :; do
    id="$(openssl rand -base64 16 | tr '+/' '-_' | tr -d '=\n')"
    [ "${id:0:1}" != "-" ] && { echo "$id"; return 0; }
  done
}

# `kafka-storage format` arguments creating both users for both SCRAM mechanisms (the tool
# takes the passwords only as arguments: fine for this loopback test broker).
scram_format_args() {
  local user mech
  for user in hub admin; do
    for mech in SCRAM-SHA-512 SCRAM-SHA-256; do
      printf '%s\n' --add-scram "$mech=[name=$user,password=$(cat "$creds/$user.password")]"
    done
  done
}

write_secure_properties() {
  local admin_pw hub_pw store_pw
  admin_pw="$(cat "$creds/admin.password")"; hub_pw="$(cat "$creds/hub.password")"
  store_pw="$(cat "$tls/store.password")"
  (umask 077; cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=SASL_SSL://127.0.0.1:$port,SSL://127.0.0.1:$ssl_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=SASL_SSL://127.0.0.1:$port,SSL://127.0.0.1:$ssl_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw" user_admin="$admin_pw" user_hub="$hub_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.crt
listener.name.ssl.ssl.client.auth=required
log.dirs=$home/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
log.segment.bytes=67108864
PROPS
  )
}

# What the readiness check (metadata_ok) connects with: user `hub` over SASL_SSL.
export_client_settings() {
  export KAFKA_CLIENT_SECURITY_PROTOCOL=SASL_SSL KAFKA_CLIENT_SASL_MECHANISM=SCRAM-SHA-512 \
    KAFKA_CLIENT_SASL_USERNAME=hub KAFKA_CLIENT_SSL_CA_LOCATION="$tls/ca.crt" \
    KAFKA_CLIENT_SASL_PASSWORD_FILE="$creds/hub.password"
}

describe_secure() {
  log "SASL_SSL on 127.0.0.1:$port (user hub), mTLS on 127.0.0.1:$ssl_port; client settings:"
  cat >&2 <<ENV
  HUB_KAFKA_BOOTSTRAP=127.0.0.1:$port
  HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL
  HUB_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
  HUB_KAFKA_SASL_USERNAME=hub
  HUB_KAFKA_SASL_PASSWORD_FILE=$creds/hub.password
  HUB_KAFKA_SSL_CA_LOCATION=$tls/ca.crt
ENV
}
