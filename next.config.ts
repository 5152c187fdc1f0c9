import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Native addons and in-process databases must not be bundled (STACK-NOTES: ssh2 breaks the build otherwise).
  serverExternalPackages: ['ssh2', '@electric-sql/pglite', 'pg', '@node-rs/argon2'],
  experimental: {
    // forbidden() gives a real HTTP 403 from server actions and pages.
    authInterrupts: true,
    // The test runner turns the build cache off under CI: a fresh clone only pays to write it.
    turbopackFileSystemCacheForBuild: process.env.BERTH_NO_BUILD_CACHE !== '1',
  },
};

export default nextConfig;
