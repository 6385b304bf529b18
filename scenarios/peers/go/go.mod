module harness-go-tls

go 1.19
