/** Entry point of the `landscape` CLI bundle (dist/cli.js). */
import { main } from './main';

main(process.argv).then(code => {
  process.exitCode = Math.max(code, Number(process.exitCode ?? 0));
});
