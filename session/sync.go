package session

import (
	"path/filepath"
	"sync"
)

// sync makes new blob files durable: each file, then each shard folder
// that got a new entry, fsynced by up to 16 goroutines at once (the file
// system's journal merges concurrent fsyncs into few commits).
func (bs *blobStore) sync(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	if err := parallelSync(paths); err != nil {
		return err
	}
	seen := map[string]bool{}
	var dirs []string
	for _, p := range paths {
		if d := filepath.Dir(p); !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return parallelSync(dirs)
}

func parallelSync(paths []string) error {
	if len(paths) == 1 {
		return syncFile(paths[0])
	}
	work := make(chan string)
	errs := make(chan error, len(paths))
	var wg sync.WaitGroup
	for i := 0; i < min(16, len(paths)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				if err := syncFile(p); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, p := range paths {
		work <- p
	}
	close(work)
	wg.Wait()
	close(errs)
	return <-errs
}
