/* nbody: a small gravitational N-body simulation in doubles.
 *
 * Measures f64 arithmetic with division and square root (f64.div, f64.sqrt) in a
 * doubly nested loop over a handful of bodies kept in a static array of structs.
 * The system is our own: one heavy central body and four lighter ones on roughly
 * circular orbits, in units where G = 1.  Every operation happens in source order,
 * so the final energy is bit-identical on any IEEE engine; its bits are the checksum.
 */
#include "bench.h"

#define NBODY_COUNT 5
#define NBODY_STEPS 8000000
#define NBODY_DT 0.001

struct body {
	double x, y, z;
	double vx, vy, vz;
	double mass;
};

static struct body bodies[NBODY_COUNT];

static void setup(void)
{
	/* Central mass at rest; the others at radius r with circular speed sqrt(M / r),
	 * each tilted slightly out of the plane so all three axes carry work. */
	const double central = 1000.0;
	bodies[0] = (struct body){ 0, 0, 0, 0, 0, 0, central };
	for (int i = 1; i < NBODY_COUNT; i++) {
		double r = 10.0 * i;
		double v = __builtin_sqrt(central / r);
		bodies[i] = (struct body){ r, 0, 0.1 * i, 0, v, 0.01 * i, 0.5 * i };
	}
	/* Give the central body the opposite momentum so the centre of mass stays put. */
	double px = 0, py = 0, pz = 0;
	for (int i = 1; i < NBODY_COUNT; i++) {
		px += bodies[i].vx * bodies[i].mass;
		py += bodies[i].vy * bodies[i].mass;
		pz += bodies[i].vz * bodies[i].mass;
	}
	bodies[0].vx = -px / central;
	bodies[0].vy = -py / central;
	bodies[0].vz = -pz / central;
}

static void advance(double dt)
{
	for (int i = 0; i < NBODY_COUNT; i++) {
		struct body *bi = &bodies[i];
		for (int j = i + 1; j < NBODY_COUNT; j++) {
			struct body *bj = &bodies[j];
			double dx = bi->x - bj->x;
			double dy = bi->y - bj->y;
			double dz = bi->z - bj->z;
			double d2 = dx * dx + dy * dy + dz * dz;
			double mag = dt / (d2 * __builtin_sqrt(d2));
			bi->vx -= dx * bj->mass * mag;
			bi->vy -= dy * bj->mass * mag;
			bi->vz -= dz * bj->mass * mag;
			bj->vx += dx * bi->mass * mag;
			bj->vy += dy * bi->mass * mag;
			bj->vz += dz * bi->mass * mag;
		}
	}
	for (int i = 0; i < NBODY_COUNT; i++) {
		bodies[i].x += dt * bodies[i].vx;
		bodies[i].y += dt * bodies[i].vy;
		bodies[i].z += dt * bodies[i].vz;
	}
}

/* Kinetic plus potential energy: nearly constant, so a wrong step shows in it. */
static double energy(void)
{
	double e = 0.0;
	for (int i = 0; i < NBODY_COUNT; i++) {
		const struct body *bi = &bodies[i];
		e += 0.5 * bi->mass * (bi->vx * bi->vx + bi->vy * bi->vy + bi->vz * bi->vz);
		for (int j = i + 1; j < NBODY_COUNT; j++) {
			const struct body *bj = &bodies[j];
			double dx = bi->x - bj->x;
			double dy = bi->y - bj->y;
			double dz = bi->z - bj->z;
			e -= bi->mass * bj->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
		}
	}
	return e;
}

BENCH_EXPORT int64_t run(void)
{
	setup();
	for (int step = 0; step < NBODY_STEPS; step++)
		advance(NBODY_DT);

	union {
		double d;
		int64_t i;
	} bits = { .d = energy() };
	return bits.i;
}
