package main

import "context"

func runSeed(ctx context.Context, args []string, e env) error {
	f := newFlags("seed", "seed --demo [flags]", e)
	demo := f.fs.Bool("demo", false, "load the demo data set (Google Merchandise Store catalog, 20 OTTO sessions, campaign demo-sale)")
	f.str(setting{name: "log-level", def: "info", usage: "debug, info, warn or error"})
	storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if !*demo {
		f.fs.Usage()
		return usageError{"seed needs --demo (the only data set so far)"}
	}
	log, err := newLogger(*f.values["log-level"], e)
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, storeConfig(f, log), log)
	if err != nil {
		return err
	}
	defer closeStore()
	return seedDemo(ctx, st, log)
}
