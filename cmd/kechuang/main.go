// Command kechuang runs a city's science-and-technology innovation policy:
// see `kechuang help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"kechuang/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := cli.Run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(cli.ExitCode(err, os.Stderr))
	}
}
