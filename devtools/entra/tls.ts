// A throwaway certificate authority and a loopback server certificate, made with the openssl CLI
// at run time (no library needed, and it is on every CI image). Only the CA certificate stays on
// disk (for NODE_EXTRA_CA_CERTS); the private keys are read into memory and deleted at once, so a
// scan of the run's temporary files finds no key material.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LoopbackTls {
  /** Path of the CA certificate (PEM): the value for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** Removes the CA certificate file. */
  dispose(): void;
}

export function createLoopbackTls(commonName = "Zero-secrets emulator CA"): LoopbackTls {
  const dir = mkdtempSync(join(tmpdir(), "zs-tls-"));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  try {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "2",
      "-keyout",
      at("ca.key"),
      "-out",
      at("ca.pem"),
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      at("server.key"),
      "-out",
      at("server.csr"),
      "-subj",
      "/CN=127.0.0.1",
    );
    writeFileSync(
      at("server.ext"),
      "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      at("server.csr"),
      "-CA",
      at("ca.pem"),
      "-CAkey",
      at("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      at("server.ext"),
      "-out",
      at("server.pem"),
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`Could not create the emulator's TLS certificates with openssl (is it on PATH?): ${stderr}`, {
      cause: err,
    });
  }
  const tls = {
    caFile: at("ca.pem"),
    caPem: readFileSync(at("ca.pem"), "utf8"),
    certPem: readFileSync(at("server.pem"), "utf8"),
    keyPem: readFileSync(at("server.key"), "utf8"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const name of ["ca.key", "server.key", "server.csr", "server.ext", "ca.srl", "server.pem"])
    rmSync(at(name), { force: true });
  return tls;
}
