// A TLS front for a plain-HTTP server, for tests of https backends: node tls-front.mjs LISTEN_PORT TARGET_PORT
// KEY CERT. Every connection on 127.0.0.1:LISTEN_PORT is decrypted and piped to 127.0.0.1:TARGET_PORT.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const [listenPort, targetPort, key, cert] = process.argv.slice(2);
tls
  .createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (client) => {
    const target = net.connect(Number(targetPort), '127.0.0.1');
    client.pipe(target).pipe(client);
    client.on('error', () => target.destroy());
    target.on('error', () => client.destroy());
  })
  .listen(Number(listenPort), '127.0.0.1', () => console.error(`tls front on ${listenPort} -> ${targetPort}`));
