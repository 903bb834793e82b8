/* spin: loops for ever without a system call, to show that the kernel preempts it
 * (fuel runs out, other processes get their turn) and can kill it. */
int main(void)
{
	volatile unsigned long counter = 0;
	for (;;) counter++;
}
