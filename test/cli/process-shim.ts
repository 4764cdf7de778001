// bin/coffer.js runs the compiled CLI; tests run the same entry from source through tsx.
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
